resource "aws_kms_key" "shared" {
  enable_key_rotation = true
  policy = jsonencode({ Statement = [{ Effect = "Allow",
  Principal = { AWS = var.key_admin_role }, Action = ["kms:Describe*", "kms:Put*"] }] })
}
