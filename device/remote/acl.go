package remote

// ACLExample is a mosquitto ACL for the site "hq" with per-terminal
// accounts (the MQTT username is the terminal's device.id) and an office
// account. Pattern lines apply to every account (%u is its username);
// topic lines below "user office" to the office only. The README shows
// it; its test runs it on mosquitto.
const ACLExample = `# Terminals: each writes only its own topics and reads the site's.
pattern write stampclock/%u/#
pattern read stampclock/%u/cmd
pattern read stampclock/%u/ack
pattern read stampclock/+/status
pattern readwrite stampclock/sites/hq/badges/#
pattern write stampclock/sites/hq/taps/%u
pattern write stampclock/sites/hq/heads/%u
pattern write stampclock/sites/hq/replay/#
pattern read stampclock/sites/hq/taps/#
pattern read stampclock/sites/hq/heads/#
pattern read stampclock/sites/hq/replay/%u

# The office: reads everything and may send commands to every terminal.
user office
topic read stampclock/#
topic write stampclock/+/cmd
`
