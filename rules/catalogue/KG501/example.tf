resource "aws_kms_key" "signing" {
  customer_master_key_spec = "ECC_SECG_P256K1" # not a NIST curve
  key_usage                = "SIGN_VERIFY"
}
