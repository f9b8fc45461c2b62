package webhook

import (
	"context"
	"fmt"
	"net/http"

	"stampclock/uplink"
	"stampclock/uplink/rest"
)

// Check is the uplink's `stampctl check` step: the URL answers over
// HTTPS. It sends a GET, not a record: any answer (most receivers take
// only POST and say 405) proves DNS, TCP and TLS; a failure to get one
// is the step's error. The signature cannot be checked without sending a
// record; the receiver's refusals show in `stampctl status`.
func Check(ctx context.Context, cfg Config, env uplink.CheckEnv) []uplink.CheckStep {
	c, err := rest.New(rest.Options{BaseURL: cfg.URL, Timeout: cfg.Timeout.Duration, HTTPClient: env.HTTPClient, RootCAs: cfg.RootCAs})
	if err != nil {
		return []uplink.CheckStep{{Name: Name, Err: err, Config: true}}
	}
	a, err := c.Do(ctx, rest.Request{Method: http.MethodGet})
	if err != nil {
		return []uplink.CheckStep{{Name: Name + " url", Err: caHint(err, cfg.CAFile)}}
	}
	return []uplink.CheckStep{{Name: Name + " url", Detail: fmt.Sprintf("%s answers (HTTP %d to a GET; records are POSTed)", c.URL(""), a.Status)}}
}
