resource "aws_kms_key" "shared" {
  enable_key_rotation = true
  policy              = <<EOF
{"Statement": [
  {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/KeyCustodian"},
   "Action": ["kms:Create*", "kms:Put*"], "Resource": "*"},
  {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/OrdersApp"},
   "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": "*"}
]}
EOF
}
