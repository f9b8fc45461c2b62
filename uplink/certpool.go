package uplink

import (
	"crypto/x509"
	"fmt"
	"os"
)

// CertPool reads the PEM file of CA certificates at path, the value of
// config key (a section's ca_file): the receiver's certificate is then
// checked against these instead of the system's roots. Errors name the
// key and the file.
func CertPool(key, path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s %s: no PEM certificate in it", key, path)
	}
	return pool, nil
}
