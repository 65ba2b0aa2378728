resource "aws_kms_key" "orders" {
  enable_key_rotation = true
  tags = {
    owner               = "payments-team"
    purpose             = "orders database encryption"
    data-classification = "cardholder-data"
  }
}
