
t
aliceÿ¢i


room* 
alice
ê*
alice
<B
ax 970CA35de60c44645bbae8a215061b33 