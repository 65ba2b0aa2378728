import rsa

public, private = rsa.newkeys(2048)
