package audit

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"strings"
)

// verifierKeyOf returns the verifier key text ("name+hash+key") of a note
// signing key ("PRIVATE+KEY+name+hash+key"): the same name and key hash,
// with the Ed25519 public key in place of the seed.
func verifierKeyOf(skey string) (string, error) {
	parts := strings.SplitN(strings.TrimSpace(skey), "+", 5)
	if len(parts) != 5 || parts[0] != "PRIVATE" || parts[1] != "KEY" {
		return "", errors.New("not a note signing key")
	}
	raw, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != 1 {
		return "", errors.New("not an Ed25519 note signing key")
	}
	pub := ed25519.NewKeyFromSeed(raw[1:]).Public().(ed25519.PublicKey)
	return parts[2] + "+" + parts[3] + "+" + base64.StdEncoding.EncodeToString(append([]byte{1}, pub...)), nil
}
