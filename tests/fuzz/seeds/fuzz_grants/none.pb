
t
aliceØ