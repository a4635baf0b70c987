"""Publishing under one roof: make a publication (`publish`), check one with nothing but the
file (`verify`), prepare what the public pages show (`reading`), and write them as a static
site (`site`)."""
