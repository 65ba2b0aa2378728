import javax.crypto.Cipher

fun legacyCipher(): Cipher = Cipher.getInstance("Blowfish/CBC/PKCS5Padding")
