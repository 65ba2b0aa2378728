using System.Security.Cryptography;

public class Modern
{
    public SymmetricAlgorithm Cipher() => Aes.Create();
}
