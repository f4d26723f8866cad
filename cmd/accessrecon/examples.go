package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// examples are the command lines each command's help shows, by command path.
var examples = map[string][]string{
	"init":                  {"accessrecon init deploy --lang ja", "accessrecon init ."},
	"validate":              {"accessrecon validate --config deploy/accessrecon.yaml"},
	"plan":                  {"accessrecon plan --as-of 2026-11-24 --out plan.json --by E1001", "accessrecon plan --format markdown --detailed-exitcode"},
	"transfer check":        {"accessrecon transfer check --employee E1010 --to HD-RETAIL --effective 2026-12-01"},
	"transfer plan":         {"accessrecon transfer plan --event T2026-0012 --out transfer.json --by E1001"},
	"reset plan":            {"accessrecon reset plan --year 2027 --confirmations returned/*.xlsx --out reset.json"},
	"reset worksheet":       {"accessrecon reset worksheet --year 2027 --out reset-2027/"},
	"certify open":          {"accessrecon certify open --campaign 2026Q4 --out campaigns/2026Q4", "accessrecon certify open --template events --campaign EV-2026-11-24 --out events/EV-2026-11-24"},
	"certify import":        {"accessrecon certify import --dir campaigns/M-2026-11 --decisions returned/*.xlsx"},
	"certify close":         {"accessrecon certify close --dir campaigns/2026Q4 --decisions returned/*.xlsx --out certify.json", "accessrecon certify close --dir campaigns/M-2026-11 --force \"監査日程のため\" --out certify.json"},
	"certify report":        {"accessrecon certify report --dir campaigns/2026Q4"},
	"logs check":            {"accessrecon logs check --date 2026-11-24 --out logs.json", "accessrecon logs check --date 2026-11-24 --format html > logs.html"},
	"approve":               {"accessrecon approve plan.json --by E1002 --key ~/.ssh/id_ed25519"},
	"apply":                 {"accessrecon apply plan.json --dry-run", "accessrecon apply plan.json --by E1003", "accessrecon apply plan.json --confirm-manual returned-workorder.csv"},
	"logs emergency-report": {"accessrecon logs emergency-report --from 2026-04-01 --to 2027-03-31 --out emergency.csv --lang ja"},
	"logs retention":        {"accessrecon logs retention --as-of 2026-11-24", "accessrecon logs retention --as-of 2026-11-24 --years 5 --max-gap 3"},
	"evidence pack":         {"accessrecon evidence pack --from 2026-04-01 --to 2027-03-31 --out 2026-pack"},
	"dashboard":             {"accessrecon dashboard --from 2026-04-01 --to 2027-03-31 --out dashboard.html --lang ja"},
	"evidence verify":       {"accessrecon evidence verify 2026-pack", "accessrecon evidence verify 2026-pack --allowed-signers trusted_signers --signer audit-bot"},
	"audit verify":          {"accessrecon audit verify", "accessrecon audit verify /backup/audit.jsonl"},
	"audit export":          {"accessrecon audit export /backup/2026-12/audit.jsonl"},
	"store migrate":         {"accessrecon store migrate --to postgres --config deploy/accessrecon.yaml"},
	"audit accept":          {"accessrecon audit accept --by E1003 --reason \"停電で記録とチェックポイントの間で停止（2026-12-07 監査部確認）\""},
	"serve":                 {"ACCESSRECON_API_TOKEN=... accessrecon serve --listen 127.0.0.1:8080 --refresh 15m"},
	"fixtures generate":     {"accessrecon fixtures generate --people 100000 --seed 1 --out /tmp/big"},
	"show":                  {"accessrecon show plan.json --format html --lang ja > plan.html", "accessrecon show plan.json --format csv > plan.csv"},
	"demo":                  {"accessrecon demo", "accessrecon demo --lang ja --format markdown", "accessrecon demo --serve --lang ja"},
	"policy test":           {"accessrecon policy test --verbose"},
	"version":               {"accessrecon version"},
	"notify run":            {"accessrecon notify run", "accessrecon notify run --dry-run --out mail-preview/"},
}

// examplesHeading introduces the examples of a command's help.
const examplesHeading = "Examples / 例:"

// addExamples appends the examples to each command's description.
func addExamples(cmds []*cli.Command, parent string) {
	for _, c := range cmds {
		path := strings.TrimSpace(parent + " " + c.Name)
		if ex := examples[path]; len(ex) > 0 {
			c.Description = strings.TrimSpace(c.Description + "\n\n" + examplesHeading + "\n  " + strings.Join(ex, "\n  "))
		}
		addExamples(c.Subcommands, path)
	}
}
