package flowtly

import "stampclock/uplink"

// setup is the uplink's part of `stampctl init` (flags --flowtly-<key>).
// The token and employees are proven by `stampctl check`, which init
// runs afterwards.
func setup() *uplink.Init {
	return &uplink.Init{Questions: []uplink.Question{
		{Key: "allow_http", Type: uplink.Bool, Optional: true},
		{Key: "url", Prompt: "Flowtly API URL", Default: DefaultBaseURL, Check: uplink.CheckURLAnswer(Name)},
		{Key: "token_file", Prompt: "Flowtly API token", Secret: true},
		{Key: "project", Prompt: "Flowtly project (IRI or id)"},
		{Key: "employees", Prompt: "Flowtly employees (email=employee IRI or id, separated by commas)", Type: uplink.Table},
	}}
}
