package legacy

import (
	"crypto/aes"
	"crypto/cipher"
)

func modernCipher(key []byte) (cipher.Block, error) {
	return aes.NewCipher(key)
}
