import javax.crypto.Cipher

fun modernCipher(): Cipher = Cipher.getInstance("AES/GCM/NoPadding")
