# -*- coding: latin-1 -*-
name = "plain ascii with a cookie"
