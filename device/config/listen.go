package config

import (
	"fmt"
	"net"
	"strconv"
)

// checkListen checks a listen address of key: host:port with the port a
// number from 1 to 65535, 0 for a free one (tests), or a service name the
// system knows ("https"). A typo like "abc" would only fail when stampd
// listens, or not at all for the metrics, which keep retrying.
func checkListen(key, addr, example string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%s: %q is not host:port (like %q)", key, addr, example)
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		// A service name the system knows ("https") has always worked.
		n, err = net.LookupPort("tcp", port)
	}
	if err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%s: %q: port %q is not a number from 1 to 65535 (like %q)", key, addr, port, example)
	}
	return nil
}
