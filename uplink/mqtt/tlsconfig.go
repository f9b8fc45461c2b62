package mqtt

import "crypto/tls"

// TLSConfig is the TLS configuration a Client builds from these files,
// for another connection to the same broker (e.g. the site's badges).
func TLSConfig(caFile, certFile, keyFile string) (*tls.Config, error) {
	o := Options{CAFile: caFile, CertFile: certFile, KeyFile: keyFile}
	return o.tlsConfig()
}
