package mqtttest

import "syscall"

// Stop ends mosquitto with SIGTERM, as a service manager does on a restart:
// it closes its clients' connections and, with persistence on, writes its
// database (retained messages, sessions, queued messages) before it exits.
// Start runs it again.
func (m *Mosquitto) Stop() {
	if m.cmd == nil {
		return
	}
	m.cmd.Process.Signal(syscall.SIGTERM)
	m.cmd.Wait()
	m.cmd = nil
}
