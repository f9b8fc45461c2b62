package webhook

import (
	"fmt"

	"stampclock/uplink"
)

// setup is the uplink's part of `stampctl init` (flags --webhook-<key>).
func setup() *uplink.Init {
	return &uplink.Init{Questions: []uplink.Question{
		{Key: "allow_http", Type: uplink.Bool, Optional: true},
		{Key: "url", Prompt: "Webhook URL (https://…)", Check: uplink.CheckURLAnswer(Name)},
		{Key: "secret_file", Prompt: fmt.Sprintf("Webhook signing secret (at least %d bytes)", MinSecret), Secret: true,
			Check: func(v string, _ uplink.Answers, _ uplink.Globals) error {
				if len(v) < MinSecret {
					return fmt.Errorf("%s.secret_file: the secret has %d bytes; want at least %d (e.g. openssl rand -hex 32)", Name, len(v), MinSecret)
				}
				return nil
			}},
		{Key: "ca_file", Prompt: "PEM file of the CA that signs the receiver's certificate (empty: the system's CAs)", Optional: true,
			Check: func(v string, _ uplink.Answers, _ uplink.Globals) error {
				_, err := uplink.CertPool(Name+".ca_file", v)
				return err
			}},
	}}
}
