
t
aliceØ²&
$
"
 
/*/users/**
GET


ab