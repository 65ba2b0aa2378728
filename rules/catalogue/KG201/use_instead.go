package signing

import (
	"crypto/rand"
	"crypto/rsa"
)

func signingKey() (*rsa.PrivateKey, error) {
	return rsa.GenerateKey(rand.Reader, 3072)
}
