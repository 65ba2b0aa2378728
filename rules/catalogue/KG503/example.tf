resource "aws_kms_key" "shared" {
  enable_key_rotation = true
  policy              = <<EOF
{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"}]}
EOF
}
