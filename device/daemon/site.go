package daemon

import (
	"fmt"

	"stampclock/device/sitebadges"
	"stampclock/uplink/mqtt"
)

// newSite builds the sharing of enrolled badges with the site ([site]
// name), on its own connection to the MQTT uplink's broker.
func (d *Daemon) newSite() (*sitebadges.Syncer, error) {
	if !d.cfg.Site.Enabled() {
		return nil, nil
	}
	m := d.cfg.MQTT
	tlsCfg, err := mqtt.TLSConfig(m.CAFile, m.CertFile, m.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("config %s: site: %w", d.cfg.Path, err)
	}
	s, err := sitebadges.New(d.store, sitebadges.Options{
		Site: d.cfg.Site.Name, DeviceID: d.cfg.Device.ID, URLs: m.URLs,
		ClientID: m.ClientID + "-badges", Username: m.Username, Password: m.Password, TLS: tlsCfg,
		TopicPrefix: m.TopicPrefix, KeepAlive: m.KeepAlive.Duration, Poll: d.cfg.Site.Poll.Duration,
		Local: func() map[string]string {
			out := map[string]string{}
			for uid, b := range d.configBadges() {
				out[uid] = b.Email
			}
			return out
		},
		Now: d.opts.Clock.Now, Logger: d.log,
	})
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", d.cfg.Path, err)
	}
	return s, nil
}
