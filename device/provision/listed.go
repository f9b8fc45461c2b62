package provision

import (
	"context"

	"stampclock/device/config"
	"stampclock/uplink"
)

// checkListed runs the checks of the enabled uplinks of the list
// (uplink/uplinks), each step as the uplink names it.
func checkListed(ctx context.Context, cfg *config.Config, env Env) []Step {
	var steps []Step
	ce := uplink.CheckEnv{HTTPClient: httpClient(env.TLSConfig), TLSConfig: env.TLSConfig, Resolver: env.Resolver,
		Location: cfg.Location, DeviceID: cfg.Device.ID}
	for _, b := range cfg.Badges {
		if !b.Admin {
			ce.Emails = append(ce.Emails, b.Email)
		}
	}
	for _, u := range cfg.ListedUplinks() {
		if !u.Section.Enabled() {
			if u.Kind.WhenOff != "" {
				steps = append(steps, Step{Name: u.Kind.Name, Skipped: true, Off: true, Detail: u.Kind.WhenOff})
			}
			continue
		}
		if u.Kind.Check == nil {
			continue
		}
		for _, cs := range u.Kind.Check(ctx, u.Section, ce) {
			s := Step{Name: cs.Name, OK: cs.Err == nil && !cs.Skipped, Skipped: cs.Skipped, Detail: cs.Detail, Config: cs.Config}
			if cs.Err != nil {
				s.Detail = cs.Err.Error()
			}
			steps = append(steps, s)
		}
	}
	return steps
}
