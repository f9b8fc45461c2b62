package main

import (
	"flag"
	"fmt"

	"stampclock/device/config"
	"stampclock/internal/mqttopts"
	"stampclock/uplink/mqtt"
)

// brokerAccount is where a command that talks to the site's broker itself
// (fleet, remote) connects, and as whom.
type brokerAccount struct {
	mqttopts.Account
	TopicPrefix string
}

// brokerOf settles a broker command's account: its flags first, then the
// config's [mqtt] section for what they leave open. The config is read
// when no --broker is given or --config is; --password-file wins over the
// config's password.
func brokerOf(name string, fs *flag.FlagSet, path string, urls []string, prefix, user, pwFile string) (brokerAccount, error) {
	a := brokerAccount{Account: mqttopts.Account{URLs: urls, Username: user}, TopicPrefix: prefix}
	configSet := false
	fs.Visit(func(f *flag.Flag) { configSet = configSet || f.Name == "config" })
	if len(urls) == 0 || configSet {
		cfg, err := config.Load(path)
		if err != nil {
			return a, err
		}
		m := mqtt.Of(cfg.Uplinks)
		if !m.Enabled() && len(urls) == 0 {
			return a, fmt.Errorf("%s: %s has no [mqtt] urls; give --broker URL", name, path)
		}
		if len(a.URLs) == 0 {
			a.URLs = m.URLs
		}
		if a.TopicPrefix == "" {
			a.TopicPrefix = m.TopicPrefix
		}
		if a.Username == "" {
			a.Username, a.Password = m.Username, m.Password
		}
		if a.TLS, err = m.TLS(); err != nil {
			return a, fmt.Errorf("config %s: %w", path, err)
		}
	}
	if pwFile != "" {
		var err error
		if a.Password, err = config.ReadSecret(pwFile); err != nil {
			return a, fmt.Errorf("%s: --password-file: %w", name, err)
		}
	}
	return a, nil
}
