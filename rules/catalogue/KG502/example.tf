resource "tls_private_key" "ca" {
  algorithm = "RSA"
}
