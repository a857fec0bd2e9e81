from django.contrib.auth.models import User
from django.core.management.base import BaseCommand
from django.db.models import Q
from rest_framework_simplejwt.tokens import RefreshToken


class Command(BaseCommand):
    help = 'Prints an access token for a user (by username or email).'

    def add_arguments(self, parser):
        parser.add_argument('user')

    def handle(self, *args, **options):
        user = User.objects.get(Q(username=options['user']) | Q(email=options['user']))
        self.stdout.write(str(RefreshToken.for_user(user).access_token))
