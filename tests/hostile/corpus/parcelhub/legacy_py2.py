print "legacy"
