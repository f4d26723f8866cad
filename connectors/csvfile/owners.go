package csvfile

import (
	"context"
	"io"
	"io/fs"
	"strings"

	"github.com/accessrecon/accessrecon/connectors"
)

// ReadOwners reads an owners mapping (CSV: key,employee_id, e.g. a GitHub
// login or an Entra userPrincipalName to the employee who answers for it):
// keys lower-cased, and the digest of the file.
func ReadOwners(files fs.FS, name, key string) (map[string]string, string, error) {
	owners := map[string]string{}
	digest, err := connectors.ReadFile(files, name, func(r io.Reader) error {
		return Each(context.Background(), name, r, "utf-8", []string{key, "employee_id"}, func(cr *Reader) error {
			k, err := cr.Required(key)
			if err != nil {
				return err
			}
			owners[strings.ToLower(k)] = cr.Get("employee_id")
			return nil
		})
	})
	return owners, digest, err
}
