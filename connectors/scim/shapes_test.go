package scim

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/graph"
)

// The shapes two real providers document for their SCIM lists, as their
// API references give them (GitHub Enterprise Cloud's "List provisioned
// SCIM groups/users for an enterprise"; Atlassian's user provisioning
// ScimUserListResponse): GitHub gives members with $ref and display and
// no enterprise extension; Atlassian may leave Resources and itemsPerPage
// out of an empty list and dates as plain dates. Served as they are.
var shapes = map[string]map[string]string{
	"github-enterprise": {
		"/Users": `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":2,"itemsPerPage":2,"startIndex":1,
			"Resources":[
			 {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"7fce0092-d52e-4f76-b727-3955bd72c939","externalId":"E1001","active":true,
			  "userName":"sato@hd.example.jp","name":{"familyName":"佐藤","givenName":"翔太"},"displayName":"佐藤 翔太",
			  "emails":[{"value":"sato@hd.example.jp","type":"work","primary":true}],"roles":[{"value":"User","primary":false}],
			  "meta":{"resourceType":"User","created":"2024-04-01T09:00:00Z","lastModified":"2024-04-01T09:00:00Z","location":"https://api.github.com/scim/v2/enterprises/hd/Users/7fce0092-d52e-4f76-b727-3955bd72c939"}},
			 {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"e6b4c7a0-1111-2222-3333-444455556666","externalId":"E1030","active":false,
			  "userName":"ogawa@hd.example.jp","displayName":"小川 千尋","meta":{"resourceType":"User","created":"2023-10-01T00:00:00Z"}}]}`,
		"/Groups": `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"itemsPerPage":1,"startIndex":1,
			"Resources":[{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"abcd27f8-a9aa-11ea-8221-f59b2be9cccc","externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
			 "displayName":"takuso-ops","members":[{"value":"7fce0092-d52e-4f76-b727-3955bd72c939","$ref":"https://api.github.com/scim/v2/enterprises/hd/Users/7fce0092-d52e-4f76-b727-3955bd72c939","display":"sato@hd.example.jp"}],
			 "meta":{"resourceType":"Group","created":"2024-04-01T09:00:00Z","location":"https://api.github.com/scim/v2/enterprises/hd/Groups/abcd27f8-a9aa-11ea-8221-f59b2be9cccc"}}]}`,
	},
	"atlassian": {
		"/Users": `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"startIndex":1,
			"Resources":[{"id":"0c9e3c4e-aaaa","externalId":"E1004","userName":"tanaka@nw.example.jp","active":true,"displayName":"田中 陽子",
			 "emails":[{"value":"tanaka@nw.example.jp","primary":true}],"groups":[],"meta":{"resourceType":"User","created":"2025-06-30","lastModified":"2025-06-30"}}]}`,
		"/Groups": `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0}`,
	},
}

// TestTheShapesRealProvidersDocument: both providers' documented lists are
// read: owners by externalId, inactive users disabled, GitHub's members
// with $ref, Atlassian's empty list without Resources.
func TestTheShapesRealProvidersDocument(t *testing.T) {
	for name, pages := range shapes {
		t.Run(name, func(t *testing.T) {
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, ok := pages[r.URL.Path]
				if !ok {
					http.NotFound(w, r) // neither documents ServiceProviderConfig for these tokens
					return
				}
				w.Header().Set("Content-Type", "application/scim+json")
				w.Write([]byte(body))
			}))
			defer ts.Close()
			t.Setenv("TEST_SCIM_TOKEN", "t")
			s := &Spec{BaseURL: ts.URL, TokenEnv: "TEST_SCIM_TOKEN", Owner: "externalId", System: name}
			src, err := s.Open(context.Background(), connectors.Env{Name: name, Files: os.DirFS("/")})
			if err != nil {
				t.Fatal(err)
			}
			g := graph.New()
			w := g.Writer()
			if _, err := src.Pull(context.Background(), w); err != nil {
				t.Fatal(err)
			}
			w.Commit()
			snap := g.Snapshot()
			switch name {
			case "github-enterprise":
				sato := snap.Account(graph.AccountKey(name, "sato@hd.example.jp"))
				ogawa := snap.Account(graph.AccountKey(name, "ogawa@hd.example.jp"))
				if sato == nil || sato.Owner != "E1001" || sato.Grant("group:takuso-ops") == nil || ogawa == nil || ogawa.Status != "disabled" || ogawa.Owner != "E1030" {
					t.Errorf("sato %+v, ogawa %+v", sato, ogawa)
				}
			case "atlassian":
				if a := snap.Account(graph.AccountKey(name, "tanaka@nw.example.jp")); a == nil || a.Owner != "E1004" || len(a.Grants) != 0 {
					t.Errorf("tanaka: %+v", a)
				}
			}
		})
	}
}
