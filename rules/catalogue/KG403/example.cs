using System.Security.Cryptography;

public class Legacy
{
    public SymmetricAlgorithm Cipher() => TripleDES.Create();
}
