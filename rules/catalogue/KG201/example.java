import java.security.KeyPair;
import java.security.KeyPairGenerator;

class Signing {
    KeyPair keyPair() throws Exception {
        KeyPairGenerator kpg = KeyPairGenerator.getInstance("RSA");
        kpg.initialize(1024);
        return kpg.generateKeyPair();
    }
}
