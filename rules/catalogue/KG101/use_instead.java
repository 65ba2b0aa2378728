import java.security.SecureRandom;

class SessionKeys {
    byte[] sessionKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return key;
    }
}
