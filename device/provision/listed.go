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
	ce := uplink.CheckEnv{HTTPClient: httpClient(env.TLSConfig), Location: cfg.Location, DeviceID: cfg.Device.ID}
	for _, u := range cfg.EnabledUplinks() {
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
