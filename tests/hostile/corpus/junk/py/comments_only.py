# just comments
# import os; os.system("rm -rf /")
