import javax.crypto.Cipher;

class Legacy {
    Cipher cipher() throws Exception {
        return Cipher.getInstance("AES/GCM/NoPadding");
    }
}
