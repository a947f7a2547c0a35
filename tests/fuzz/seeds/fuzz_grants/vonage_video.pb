
t
aliceØ²
1_MX4xname=a"focus