import java.util.Random;

class SessionKeys {
    byte[] sessionKey() {
        byte[] key = new byte[32];
        new Random().nextBytes(key);
        return key;
    }
}
