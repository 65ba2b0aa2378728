resource "aws_kms_key" "ca" {
  customer_master_key_spec = "RSA_4096"
  key_usage                = "SIGN_VERIFY"
}
