import boto3

KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
kms = boto3.client("kms")
data_key = kms.generate_data_key(KeyId=KEY_ARN, KeySpec="AES_256")["Plaintext"]
