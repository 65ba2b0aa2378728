"""What infrastructure key specs mean: AWS KeySpecs, Cloud KMS algorithms, Azure and TLS curves."""

from __future__ import annotations

# AWS KMS KeySpec -> (algorithm, size in bits, standard curve name or None).
AWS_KEY_SPECS: dict[str, tuple[str, int | None, str | None]] = {
    "SYMMETRIC_DEFAULT": ("AES", 256, None),
    "RSA_2048": ("RSA", 2048, None),
    "RSA_3072": ("RSA", 3072, None),
    "RSA_4096": ("RSA", 4096, None),
    "ECC_NIST_P256": ("EC", 256, "secp256r1"),
    "ECC_NIST_P384": ("EC", 384, "secp384r1"),
    "ECC_NIST_P521": ("EC", 521, "secp521r1"),
    "ECC_SECG_P256K1": ("EC", 256, "secp256k1"),
    "HMAC_224": ("HMAC", 224, None),
    "HMAC_256": ("HMAC", 256, None),
    "HMAC_384": ("HMAC", 384, None),
    "HMAC_512": ("HMAC", 512, None),
    "SM2": ("SM2", 256, "sm2"),
    "ML_DSA_44": ("ML-DSA", None, None),
    "ML_DSA_65": ("ML-DSA", None, None),
    "ML_DSA_87": ("ML-DSA", None, None),
}

# Google Cloud KMS algorithm name fragments -> standard curve names.
GOOGLE_EC_ALGORITHMS: dict[str, str] = {
    "EC_SIGN_P256_SHA256": "secp256r1",
    "EC_SIGN_P384_SHA384": "secp384r1",
    "EC_SIGN_SECP256K1_SHA256": "secp256k1",
    "EC_SIGN_ED25519": "ed25519",
}

# RSA modulus sizes Cloud KMS offers (in algorithm names such as RSA_SIGN_PSS_2048_SHA256).
GOOGLE_RSA_SIZES: tuple[int, ...] = (2048, 3072, 4096)

# Azure Key Vault curve names -> standard curve names.
AZURE_CURVES: dict[str, str] = {
    "P-256": "secp256r1",
    "P-384": "secp384r1",
    "P-521": "secp521r1",
    "P-256K": "secp256k1",
}

# hashicorp/tls ecdsa_curve values -> standard curve names; P224 is the provider's default.
TLS_CURVES: dict[str, str] = {
    "P224": "secp224r1",
    "P256": "secp256r1",
    "P384": "secp384r1",
    "P521": "secp521r1",
}
TLS_DEFAULT_CURVE = "P224"
TLS_DEFAULT_RSA_BITS = 2048


def google_algorithm(name: str) -> tuple[str, int | None, str | None]:
    """(algorithm, size, curve) of a Cloud KMS algorithm name such as RSA_DECRYPT_OAEP_3072_SHA256."""
    if name in GOOGLE_EC_ALGORITHMS:
        return "EC", None, GOOGLE_EC_ALGORITHMS[name]
    if name.startswith("RSA_"):
        sizes = [int(p) for p in name.split("_") if p.isdigit() and int(p) >= 1024]
        return "RSA", sizes[0] if sizes else None, None
    if name.startswith("HMAC_"):
        return "HMAC", None, None
    if "SYMMETRIC" in name or name.startswith("AES_"):
        return "AES", 256, None
    return name, None, None


# Resource types that declare a key -> (provider, library name of the generation path).
TERRAFORM_KEYS: dict[str, tuple[str, str]] = {
    "aws_kms_key": ("aws", "aws-kms"),
    "aws_kms_external_key": ("aws", "aws-kms"),
    "aws_kms_replica_key": ("aws", "aws-kms"),
    "aws_kms_replica_external_key": ("aws", "aws-kms"),
    "google_kms_crypto_key": ("google", "gcp-kms"),
    "azurerm_key_vault_key": ("azure", "azure-keyvault"),
    "tls_private_key": ("terraform", "terraform-tls"),
}
CLOUDFORMATION_KEYS: dict[str, tuple[str, str]] = {
    "AWS::KMS::Key": ("aws", "aws-kms"),
    "AWS::KMS::ReplicaKey": ("aws", "aws-kms"),
}

# KMS actions that create or administer keys (KG503), and those that use a key.
ADMIN_ACTIONS: tuple[str, ...] = (
    "kms:CreateKey",
    "kms:PutKeyPolicy",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
    "kms:DisableKey",
    "kms:EnableKey",
    "kms:DisableKeyRotation",
    "kms:ImportKeyMaterial",
    "kms:DeleteImportedKeyMaterial",
    "kms:CreateGrant",
    "kms:UpdateKeyDescription",
)
USAGE_ACTIONS: tuple[str, ...] = (
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:Sign",
    "kms:GenerateMac",
)
