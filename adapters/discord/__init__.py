"""The Discord adapter: discord.py 2.x in, core events out; core replies in, Discord out."""
