package legacy

import (
	"crypto/cipher"
	"crypto/des"
)

func legacyCipher(key []byte) (cipher.Block, error) {
	return des.NewTripleDESCipher(key)
}
