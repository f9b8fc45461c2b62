package daemon

import (
	"fmt"

	"stampclock/device/ctlproto"
	"stampclock/device/remote"
	"stampclock/uplink/mqtt"
)

// newRemote builds the answering of control commands sent over MQTT
// (mqtt.remote_commands), on its own connection to the MQTT uplink's
// broker; nil when off.
func (d *Daemon) newRemote() (*remote.Responder, error) {
	m := mqtt.Of(d.cfg.Uplinks)
	if !m.Enabled() || m.RemoteCommands == "" {
		return nil, nil
	}
	conn, err := m.Conn("-cmd")
	if err != nil {
		return nil, fmt.Errorf("config %s: remote commands: %w", d.cfg.Path, err)
	}
	r, err := remote.New(d.Handle, remote.Options{
		DeviceID: d.cfg.Device.ID, TopicPrefix: m.TopicPrefix, Allow: ctlproto.Role(m.RemoteCommands),
		Account: conn.Account, KeepAlive: conn.KeepAlive, Timers: d.opts.Timers, Logger: d.log,
	})
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", d.cfg.Path, err)
	}
	return r, nil
}
