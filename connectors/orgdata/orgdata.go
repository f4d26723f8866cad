// Package orgdata reads the YAML reference data of SPEC: org.yaml,
// systems.yaml, emergencies.yaml and exceptions.yaml.
package orgdata

import (
	"io"
	"io/fs"
	"slices"
	"time"
	"unicode"

	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/input/yamlfile"
)

// CompanyKinds are the kinds a company may have.
var CompanyKinds = []string{"network", "retail", "generation", "holding", "other"}

type orgFile struct {
	Companies []struct {
		ID          string   `yaml:"id"`
		Name        string   `yaml:"name"`
		Kind        string   `yaml:"kind"`
		MailDomains []string `yaml:"mail_domains"`
	} `yaml:"companies"`
	Units []struct {
		ID      string   `yaml:"id"`
		Company string   `yaml:"company"`
		Name    string   `yaml:"name"`
		Tags    []string `yaml:"tags"`
	} `yaml:"units"`
}

type systemsFile struct {
	Systems []struct {
		ID             string   `yaml:"id"`
		Name           string   `yaml:"name"`
		Owner          string   `yaml:"owner"`
		ConfidentialTo []string `yaml:"confidential_to"`
		FebruaryReset  bool     `yaml:"february_reset"`
		RosterRequired bool     `yaml:"roster_required"`
		RequireMFA     bool     `yaml:"require_mfa"`
		Entitlements   []struct {
			ID           string   `yaml:"id"`
			AllowedUnits []string `yaml:"allowed_units"`
		} `yaml:"entitlements"`
	} `yaml:"systems"`
}

type emergenciesFile struct {
	Emergencies []struct {
		ID        string   `yaml:"id"`
		Reason    string   `yaml:"reason"`
		Systems   []string `yaml:"systems"`
		Companies []string `yaml:"companies"`
		Start     string   `yaml:"start"`
		End       string   `yaml:"end"`
	} `yaml:"emergencies"`
}

type exceptionsFile struct {
	Exceptions []struct {
		ID            string `yaml:"id"`
		Rule          string `yaml:"rule"`
		System        string `yaml:"system"`
		Account       string `yaml:"account"`
		Justification string `yaml:"justification"`
		ApprovedBy    string `yaml:"approved_by"`
		Expires       string `yaml:"expires"`
	} `yaml:"exceptions"`
}

// read decodes one YAML file strictly and returns its bytes and digest.
func read(files fs.FS, name string, v any) ([]byte, string, error) {
	var data []byte
	digest, err := connectors.ReadFile(files, name, func(r io.Reader) error {
		var err error
		if data, err = io.ReadAll(r); err != nil {
			return i18n.Errorf("%s: read: %w", name, err)
		}
		return yamlfile.Decode(name, data, v)
	})
	return data, digest, err
}

func required(name string, lines []int, i int, field, value string) error {
	if value == "" {
		return yamlfile.Errorf(name, lines, i, field, "expected a value")
	}
	if field == "id" {
		if a, b := mixedScripts(value); a != "" {
			return yamlfile.Errorf(name, lines, i, field, "%q mixes %s and %s letters (a lookalike of another id?): write it in one script", value, a, b)
		}
	}
	return nil
}

// lookalike are the scripts whose letters pass for Latin ones (Cyrillic а,
// Greek ο): an id mixing any two of them looks like an id it is not.
var lookalike = []struct {
	name  string
	table *unicode.RangeTable
}{{"Latin", unicode.Latin}, {"Cyrillic", unicode.Cyrillic}, {"Greek", unicode.Greek}, {"Armenian", unicode.Armenian}, {"Cherokee", unicode.Cherokee}}

// mixedScripts names two lookalike scripts an id mixes ("" when it does
// not).
func mixedScripts(id string) (string, string) {
	first := ""
	for _, r := range id {
		if r < 0x80 && !unicode.IsLetter(r) {
			continue
		}
		for _, s := range lookalike {
			if unicode.Is(s.table, r) {
				if first == "" {
					first = s.name
				} else if s.name != first {
					return first, s.name
				}
			}
		}
	}
	return "", ""
}

// LoadOrg reads org.yaml into the graph.
func LoadOrg(files fs.FS, name string, w *graph.Writer) (string, error) {
	var f orgFile
	data, digest, err := read(files, name, &f)
	if err != nil {
		return "", err
	}
	lines := yamlfile.ItemLines(data, "companies")
	for i, c := range f.Companies {
		if err := required(name, lines, i, "id", c.ID); err != nil {
			return "", err
		}
		if !slices.Contains(CompanyKinds, c.Kind) {
			return "", yamlfile.Errorf(name, lines, i, "kind", "expected one of %v, got %q", CompanyKinds, c.Kind)
		}
		if err := w.AddCompany(&graph.Company{ID: c.ID, Name: c.Name, Kind: c.Kind, MailDomains: c.MailDomains}); err != nil {
			return "", yamlfile.Wrap(name, lines, i, "id", err)
		}
	}
	lines = yamlfile.ItemLines(data, "units")
	for i, u := range f.Units {
		if err := required(name, lines, i, "id", u.ID); err != nil {
			return "", err
		}
		if !w.Exists(graph.TableCompanies, u.Company) {
			return "", yamlfile.Errorf(name, lines, i, "company", "unknown company %q: expected one of the companies above", u.Company)
		}
		if err := w.AddUnit(&graph.Unit{ID: u.ID, Company: u.Company, Name: u.Name, Tags: u.Tags}); err != nil {
			return "", yamlfile.Wrap(name, lines, i, "id", err)
		}
	}
	return digest, nil
}

// LoadSystems reads systems.yaml into the graph. Units must be loaded.
func LoadSystems(files fs.FS, name string, w *graph.Writer) (string, error) {
	var f systemsFile
	data, digest, err := read(files, name, &f)
	if err != nil {
		return "", err
	}
	lines := yamlfile.ItemLines(data, "systems")
	for i, s := range f.Systems {
		if err := required(name, lines, i, "id", s.ID); err != nil {
			return "", err
		}
		if s.Owner != "" && !w.Exists(graph.TableUnits, s.Owner) {
			return "", yamlfile.Errorf(name, lines, i, "owner", "unknown unit %q: expected a unit id of org.yaml", s.Owner)
		}
		for _, c := range s.ConfidentialTo {
			if !w.Exists(graph.TableCompanies, c) {
				return "", yamlfile.Errorf(name, lines, i, "confidential_to", "unknown company %q: expected a company id of org.yaml", c)
			}
		}
		sys := &graph.System{ID: s.ID, Name: s.Name, Owner: s.Owner, ConfidentialTo: s.ConfidentialTo, FebruaryReset: s.FebruaryReset,
			RosterRequired: s.RosterRequired, RequireMFA: s.RequireMFA}
		for _, e := range s.Entitlements {
			if e.ID == "" {
				return "", yamlfile.Errorf(name, lines, i, "entitlements", "an entitlement has no id")
			}
			for _, u := range e.AllowedUnits {
				if !w.Exists(graph.TableUnits, u) {
					return "", yamlfile.Errorf(name, lines, i, "entitlements."+e.ID+".allowed_units", "unknown unit %q: expected a unit id of org.yaml", u)
				}
			}
			sys.Entitlements = append(sys.Entitlements, graph.Entitlement{ID: e.ID, AllowedUnits: e.AllowedUnits})
		}
		if err := w.AddSystem(sys); err != nil {
			return "", yamlfile.Wrap(name, lines, i, "id", err)
		}
	}
	return digest, nil
}

// LoadEmergencies reads emergencies.yaml into the graph. Systems must be loaded.
func LoadEmergencies(files fs.FS, name string, w *graph.Writer) (string, error) {
	var f emergenciesFile
	data, digest, err := read(files, name, &f)
	if err != nil {
		return "", err
	}
	lines := yamlfile.ItemLines(data, "emergencies")
	for i, e := range f.Emergencies {
		if err := required(name, lines, i, "id", e.ID); err != nil {
			return "", err
		}
		em := &graph.Emergency{ID: e.ID, Reason: e.Reason, Systems: e.Systems, Companies: e.Companies}
		if em.Start, err = time.Parse(time.RFC3339, e.Start); err != nil {
			return "", yamlfile.Errorf(name, lines, i, "start", "expected an RFC 3339 timestamp such as 2026-09-01T00:00:00+09:00, got %q", e.Start)
		}
		if em.End, err = time.Parse(time.RFC3339, e.End); err != nil {
			return "", yamlfile.Errorf(name, lines, i, "end", "expected an RFC 3339 timestamp such as 2026-09-05T23:59:59+09:00, got %q", e.End)
		}
		if em.End.Before(em.Start) {
			return "", yamlfile.Errorf(name, lines, i, "end", "the window ends (%s) before it starts (%s)", e.End, e.Start)
		}
		if len(e.Systems) == 0 {
			return "", yamlfile.Errorf(name, lines, i, "systems", "expected at least one system id")
		}
		for _, s := range e.Systems {
			if !w.Exists(graph.TableSystems, s) {
				return "", yamlfile.Errorf(name, lines, i, "systems", "unknown system %q: expected a system id of systems.yaml", s)
			}
		}
		for _, c := range e.Companies {
			if !w.Exists(graph.TableCompanies, c) {
				return "", yamlfile.Errorf(name, lines, i, "companies", "unknown company %q: expected a company id of org.yaml", c)
			}
		}
		if err := w.AddEmergency(em); err != nil {
			return "", yamlfile.Wrap(name, lines, i, "id", err)
		}
	}
	return digest, nil
}

// LoadExceptions reads exceptions.yaml into the graph. Systems must be loaded.
func LoadExceptions(files fs.FS, name string, w *graph.Writer) (string, error) {
	var f exceptionsFile
	data, digest, err := read(files, name, &f)
	if err != nil {
		return "", err
	}
	lines := yamlfile.ItemLines(data, "exceptions")
	for i, x := range f.Exceptions {
		for _, f := range [][2]string{{"id", x.ID}, {"rule", x.Rule}, {"system", x.System}, {"account", x.Account}, {"approved_by", x.ApprovedBy}, {"expires", x.Expires}} {
			if err := required(name, lines, i, f[0], f[1]); err != nil {
				return "", err
			}
		}
		ex := &graph.Exception{ID: x.ID, Rule: x.Rule, System: x.System, Account: x.Account, Justification: x.Justification, ApprovedBy: x.ApprovedBy}
		if ex.Expires, err = graph.ParseDate(x.Expires); err != nil {
			return "", yamlfile.Errorf(name, lines, i, "expires", "%v", err)
		}
		if !w.Exists(graph.TableSystems, x.System) {
			return "", yamlfile.Errorf(name, lines, i, "system", "unknown system %q: expected a system id of systems.yaml", x.System)
		}
		if err := w.AddException(ex); err != nil {
			return "", yamlfile.Wrap(name, lines, i, "id", err)
		}
	}
	return digest, nil
}
