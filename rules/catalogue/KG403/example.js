const crypto = require("crypto");

function legacyCipher(key, iv) {
  return crypto.createCipheriv("des-ede3-cbc", key, iv);
}
