import java.security.SecureRandom;

class Salts {
    byte[] salt() {
        SecureRandom rng = new SecureRandom();
        rng.setSeed(42L);
        byte[] salt = new byte[16];
        rng.nextBytes(salt);
        return salt;
    }
}
