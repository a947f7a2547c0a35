
t
aliceØÂ0
nx"(2r8RhJ

namerbmj
kv