
t
aliceØÊD

IS1e
r
IS2"AP1


ab*
WS1WK1worker:us1