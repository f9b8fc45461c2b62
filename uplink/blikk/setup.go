package blikk

import "stampclock/uplink"

// setup is the uplink's part of `stampctl init` (flags --blikk-<key>).
// The ids are proven by `stampctl check`, which init runs afterwards.
func setup() *uplink.Init {
	return &uplink.Init{Questions: []uplink.Question{
		{Key: "allow_http", Type: uplink.Bool, Optional: true},
		{Key: "url", Prompt: "Blikk API URL", Default: DefaultBaseURL, Check: uplink.CheckURLAnswer(Name)},
		{Key: "app_id", Prompt: "Blikk API application id"},
		{Key: "app_secret_file", Prompt: "Blikk API application secret", Secret: true},
		{Key: "users", Prompt: "Blikk users (email=user id, separated by commas)", Type: uplink.IntTable},
		{Key: "activity_id", Prompt: "Blikk activity id", Type: uplink.Int},
		{Key: "time_code_id", Prompt: "Blikk time code id", Type: uplink.Int},
		{Key: "time_article_id", Prompt: "Blikk time article id", Type: uplink.Int},
	}}
}
