const crypto = require("crypto");

function modernCipher(key, iv) {
  return crypto.createCipheriv("aes-256-gcm", key, iv);
}
