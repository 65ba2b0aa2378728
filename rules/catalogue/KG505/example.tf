resource "aws_kms_key" "orders" {
  enable_key_rotation = true
  tags = {
    team = "payments"
  }
}
