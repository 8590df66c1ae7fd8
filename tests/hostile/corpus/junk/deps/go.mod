module example.com/junk
go 1.22
require (
